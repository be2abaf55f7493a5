export interface Progress {
  done: number;
  total: number;
}

/**
 * A progress bar on a terminal, and nothing when output is piped (CI logs stay
 * readable). Redraws at most ten times a second.
 */
export function terminalProgress(label: string, stream: NodeJS.WriteStream = process.stderr): (p: Progress) => void {
  if (!stream.isTTY) return () => {};
  let last = 0;
  return ({ done, total }) => {
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    const width = 30;
    const ratio = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(ratio * width);
    stream.write(
      `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${Math.round(ratio * 100)}%`,
    );
  };
}
