import os from 'node:os';

/** One line naming the machine a result came from. */
export function machineLine(): string {
  const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  const ram = Math.round(os.totalmem() / 1024 ** 3);
  return `${cpu}, ${os.availableParallelism()} cores, ${ram} GB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** Server settings from the environment that change the figures (the servers inherit it). */
export function serverSettingsLine(env: NodeJS.ProcessEnv = process.env): string {
  const threads = Number(env.UPSTREAM_THREADS ?? 0);
  return threads > 0 ? `UPSTREAM_THREADS=${threads}` : 'upstream read on the main thread';
}
