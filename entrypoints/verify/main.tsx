import { startVerify } from '../../src/frames/verify';
import '../../src/ui/styles/base.css';
import '../../src/ui/styles/popup.css';
import './style.css';

// The hash carries the one-time token; drop it from the address at once.
const token = location.hash.slice(1);
history.replaceState(null, '', location.pathname);
startVerify(document.getElementById('app')!, token);
