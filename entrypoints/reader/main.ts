import { startReader } from '../../src/overlay/pages/reader';

const token = location.hash.slice(1);
history.replaceState(null, '', location.pathname);
startReader(document, token);
