// Headers on every page: a Content-Security-Policy that allows what the pages use and nothing else, and the usual
// hardening. The host page's URL carries the host key, so no page sends a Referer.

/**
 * What the pages need: their own scripts and the host worker ('self'), the forwarding core compiled from WebAssembly
 * ('wasm-unsafe-eval'), the signal and host-link WebSockets and fetches to this server (connect-src), QR codes as
 * data: images, uPlot's and the pages' own style sheets, and media from streams. Nothing from other origins, no
 * inline script, no plugins, no framing.
 */
export function contentSecurityPolicy(host: string | undefined, dev = false): string {
  // the Host header is the requester's to choose: only a plain host[:port] goes into the policy
  const sockets = host && /^([\w.-]+|\[[0-9a-f:.]+\])(:\d+)?$/i.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    `connect-src 'self'${sockets}`,
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    // Vite's dev server puts each style sheet in a <style> element it creates; built pages link theirs
    dev ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** `dev`: the page comes from Vite's dev server (npm run dev), whose style sheets are inline. */
export function securityHeaders(host: string | undefined, dev = false): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(host, dev),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(self), microphone=(self), display-capture=(self), geolocation=(), usb=()',
  };
}
