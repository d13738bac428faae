import { cpus, totalmem, release } from 'node:os';

/** One line naming the machine the figures were measured on. */
export function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const memory = `${String(Math.round(totalmem() / 2 ** 30))} GiB`;
  return `${String(cpus().length)} × ${cpu}, ${memory}, Linux ${release()}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}
