/**
 * `npm start` listens on four fixed ports. A clash is reported naming the variable that moves the
 * port, before anything starts, so a second `npm start` (or anything else on 7233/8080) does not
 * leave half a stack running behind a bare EADDRINUSE.
 */
import { createServer } from 'node:net';
import { ConfigError } from '../config';

export interface DevPort {
  /** The environment variable that sets this port. */
  variable: string;
  host: string;
  port: number;
}

/** Resolves with the error code when `host:port` cannot be bound, undefined when it is free. */
function tryBind({ host, port }: DevPort): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}

export function busyPortMessage({ variable, host, port }: DevPort, code = 'EADDRINUSE'): string {
  const why = code === 'EADDRINUSE' ? 'is in use' : `cannot be used (${code})`;
  return `${variable}: port ${port} on ${host} ${why}; stop what holds it, or choose another port with ${variable}=<port>`;
}

/** Throws one ConfigError naming every port that cannot be bound, with the variable that moves it. */
export async function assertPortsFree(ports: DevPort[]): Promise<void> {
  const problems: string[] = [];
  for (const p of ports) {
    const code = await tryBind(p);
    if (code) problems.push(busyPortMessage(p, code));
  }
  if (problems.length) throw new ConfigError(problems.join('\n'));
}

/** A listen() failure (a port taken after the check) as a message naming the variable. */
export async function listenNamingPort<T>(port: DevPort, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new ConfigError(busyPortMessage(port, code));
    throw err;
  }
}
