/**
 * Sizes in words for people (`1.5 MB`, `320 B`): decimal units, as browsers' download lists and
 * `ls -h --si` write them. One function for the CLI's transfer lines and the web UI's file fields.
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1000;
    unit++;
  } while (value >= 1000 && unit < units.length - 1);
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}
