// The interop matrix against libotr, potr and OffRecord itself (matrix.ts); otr.js's cells are
// in matrix-otrjs.test.ts.
import { describeMatrix } from './matrix';

describeMatrix(['libotr', 'potr', 'offrecord']);
