/**
 * The performance mark a reader frame sets when it shows its plaintext. Only the extension's own
 * origin can read a frame's marks (the page cannot), and a mark costs nothing: `npm run bench`
 * reads them from each frame after a run, so the run itself needs no debugger inside the frames.
 */
export const READER_SHOWN_MARK = 'offrecord-reader-shown';
