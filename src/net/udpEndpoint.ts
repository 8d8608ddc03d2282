// The only module that touches `dgram` (and DNS for peer names).
import * as dgram from 'node:dgram';
import * as dns from 'node:dns';
import { isIP } from 'node:net';

export interface Endpoint {
  address: string;
  port: number;
}

export class UdpError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

/** Words a user can act on, for the errors a bind can meet. */
export function describeBindError(err: NodeJS.ErrnoException, address: string, port: number): UdpError {
  const where = `${address.includes(':') ? `[${address}]` : address}:${port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new UdpError(`UDP port ${port} is already in use on ${address} (another chat or program has it).`, 'EADDRINUSE');
    case 'EACCES':
    case 'EPERM':
      return new UdpError(`The operating system refused UDP port ${port} on ${address} (${err.code}): ports below 1024 usually need administrator rights.`, err.code);
    case 'EADDRNOTAVAIL':
      return new UdpError(`${address} is not an address of this machine, so ${where} cannot be bound.`, 'EADDRNOTAVAIL');
    case 'EINVAL':
      return new UdpError(`Cannot bind ${where}: invalid address for this socket (${err.message}).`, 'EINVAL');
    default:
      return new UdpError(`Cannot bind ${where}: ${err.message}`, err.code ?? 'EUNKNOWN');
  }
}

/** Resolve a peer host to one IP address; IP literals pass through. */
export async function resolveHost(host: string, family: 0 | 4 | 6 = 0): Promise<{ address: string; family: 4 | 6 }> {
  const literal = isIP(host.split('%')[0]);
  if (literal) return { address: host, family: literal as 4 | 6 };
  try {
    const r = await dns.promises.lookup(host, { family, verbatim: false });
    return { address: r.address, family: r.family === 6 ? 6 : 4 };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'ENOTFOUND';
    throw new UdpError(`The peer host "${host}" does not resolve (${code}). Check the name or use an IP address.`, code);
  }
}

export interface BindOptions {
  /** Empty for all interfaces. */
  address: string;
  port: number;
  /** Family to use when address is empty. */
  family: 4 | 6;
  /** Socket buffer sizes to ask for (the OS may cap them). */
  bufferBytes?: number;
}

/** A bound UDP socket. Errors after bind go to onError; sends never throw. */
export class UdpEndpoint {
  private listeners: Array<(msg: Buffer, from: Endpoint) => void> = [];
  private errorListeners: Array<(err: Error) => void> = [];
  private closed = false;
  sendErrors = 0;

  private constructor(private readonly socket: dgram.Socket, readonly family: 4 | 6) {
    socket.on('message', (msg, rinfo) => {
      for (const l of this.listeners) l(msg, { address: rinfo.address, port: rinfo.port });
    });
    socket.on('error', (err) => {
      for (const l of this.errorListeners) l(err);
    });
  }

  /** Binds, resolving when listening and rejecting with a UdpError on the first error. */
  static bind(opts: BindOptions): Promise<UdpEndpoint> {
    const fam = opts.address ? (isIP(opts.address.split('%')[0]) === 6 ? 6 : 4) : opts.family;
    const address = opts.address || (fam === 6 ? '::' : '0.0.0.0');
    return new Promise((resolve, reject) => {
      let socket: dgram.Socket;
      try {
        socket = dgram.createSocket({ type: fam === 6 ? 'udp6' : 'udp4', reuseAddr: false });
      } catch (e) {
        reject(new UdpError(`Cannot create a UDP socket: ${(e as Error).message}`, 'ESOCKET'));
        return;
      }
      const onError = (err: NodeJS.ErrnoException) => {
        socket.removeListener('listening', onListening);
        try { socket.close(); } catch { /* already closed */ }
        reject(describeBindError(err, address, opts.port));
      };
      const onListening = () => {
        socket.removeListener('error', onError);
        if (opts.bufferBytes) {
          try {
            socket.setRecvBufferSize(opts.bufferBytes);
            socket.setSendBufferSize(opts.bufferBytes);
          } catch { /* the OS caps it; not fatal */ }
        }
        resolve(new UdpEndpoint(socket, fam));
      };
      socket.once('error', onError);
      socket.once('listening', onListening);
      try {
        socket.bind({ address, port: opts.port, exclusive: true });
      } catch (e) {
        onError(e as NodeJS.ErrnoException);
      }
    });
  }

  get local(): Endpoint {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  onDatagram(listener: (msg: Buffer, from: Endpoint) => void): () => void {
    this.listeners.push(listener);
    return () => { this.listeners = this.listeners.filter((l) => l !== listener); };
  }

  onError(listener: (err: Error) => void): () => void {
    this.errorListeners.push(listener);
    return () => { this.errorListeners = this.errorListeners.filter((l) => l !== listener); };
  }

  /** Fire and forget; asynchronous failures (EMSGSIZE, unreachable, ...) go to onError. */
  send(data: Uint8Array, to: Endpoint): void {
    if (this.closed) throw new UdpError('The UDP socket is closed.', 'ECLOSED');
    let address = to.address;
    if (this.family === 6 && isIP(address) === 4) address = `::ffff:${address}`;
    this.socket.send(data, to.port, address, (err) => {
      if (err) {
        this.sendErrors++;
        for (const l of this.errorListeners) l(err);
      }
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      try { this.socket.close(() => resolve()); } catch { resolve(); }
    });
  }

  get isClosed(): boolean { return this.closed; }
}
