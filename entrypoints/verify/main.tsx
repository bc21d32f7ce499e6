import { startVerify } from '../../src/frames/verify';
import '../../src/ui/styles/base.css';
import '../../src/ui/styles/popup.css';
import '../../src/ui/styles/touch.css';
import './style.css';

// No token in the address: the content script that placed this frame claims it (tokens.ts).
// The history entry is replaced as the reader does (Firefox's remote protocol learns the frame's
// address from it).
history.replaceState(null, '', location.pathname);
startVerify(document.getElementById('app')!);
