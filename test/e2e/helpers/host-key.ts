// The host key the tests' servers are started with (--host-key): only a page that has it may host.
export const TEST_HOST_KEY = process.env.TABSFU_TEST_HOST_KEY ?? 'tabsfu-test-host-key';

/** The host page's URL on `baseUrl`, with the key and any host settings (`?route=decoy&…`). */
export function hostPageUrl(baseUrl: string, query = '', key = TEST_HOST_KEY): string {
  const settings = query.replace(/^\?/, '');
  return `${baseUrl}/host?key=${encodeURIComponent(key)}${settings ? `&${settings}` : ''}`;
}
