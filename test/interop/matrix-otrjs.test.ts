// The interop matrix against otr.js (matrix.ts), in a file of its own so that it runs beside
// the other peers' cells.
import { describeMatrix } from './matrix';

describeMatrix(['otrjs']);
