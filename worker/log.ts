// One named logger per subsystem. Levels: error = the host cannot do what it was asked; warn = a peer or
// message was refused or dropped; info = a room, participant or track came or went; debug = signalling
// detail. Nothing is logged per frame or packet: the media path counts instead.
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };
let threshold: Level = 'info';

export function setLogLevel(level: Level): void {
  threshold = level;
}

export interface Logger {
  debug(msg: string, ctx?: object): void;
  info(msg: string, ctx?: object): void;
  warn(msg: string, ctx?: object): void;
  error(msg: string, ctx?: object): void;
}

export function logger(name: string): Logger {
  const emit = (level: Level) => (msg: string, ctx?: object) => {
    if (ORDER[level] < ORDER[threshold]) return;
    const line = `[${name}] ${msg}`;
    const args = ctx ? [line, ctx] : [line];
    if (level === 'error') console.error(...args);
    else if (level === 'warn') console.warn(...args);
    else console.log(...args);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
