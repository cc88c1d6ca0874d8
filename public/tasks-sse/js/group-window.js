// Which table rows to show in one frame. Pure: no DOM, so Node tests drive it.
//
// The group table shows a window of rows (those in sight plus a margin). Building many new rows in
// one frame (the first rows, a long jump) makes that frame the longest task of all: their DOM,
// style and layout. So when more than `maxNew` rows of the window are not built yet, the frame
// shows a smaller window, from the first row in sight down (then up into the margin), with at most
// `maxNew` new rows, and the caller renders again in the next frame. Each such frame builds at
// least one row, so the full window is reached.

/**
 * @param {{ first: number, last: number, inSight: number, isNew: (pos: number) => boolean,
 *           maxNew: number }} o  the full window [first, last), the first position in sight,
 *           whether the row at a position still has to be built, the new rows allowed
 * @returns {{ first: number, last: number, partial: boolean }} the window to show now
 */
export function rowsToBuild({ first, last, inSight, isNew, maxNew }) {
  let missing = 0;
  for (let p = first; p < last; p++) if (isNew(p)) missing += 1;
  if (missing <= maxNew) return { first, last, partial: false };
  let budget = maxNew;
  let start = Math.min(Math.max(first, inSight), last);
  let end = start;
  while (end < last && (budget > 0 || !isNew(end))) {
    if (isNew(end)) budget -= 1;
    end += 1;
  }
  while (start > first && (budget > 0 || !isNew(start - 1))) {
    start -= 1;
    if (isNew(start)) budget -= 1;
  }
  return { first: start, last: end, partial: true };
}
