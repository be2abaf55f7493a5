export interface Progress {
  done: number;
  total: number;
}

/**
 * A progress bar on a terminal, redrawn at most ten times a second; piped (a CI log, a script), one line
 * every tenth of the way, so that the log stays readable and still shows the job moving.
 */
export function terminalProgress(label: string, stream: NodeJS.WriteStream = process.stderr): (p: Progress) => void {
  if (!stream.isTTY) {
    let shown = 0;
    return ({ done, total }) => {
      const tenth = total > 0 ? Math.floor((Math.min(1, done / total) * 100) / 10) * 10 : 0;
      if (tenth <= shown) return;
      shown = tenth;
      stream.write(`${label}: ${tenth}%\n`);
    };
  }
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
