import { startVerify } from '../../src/frames/verify';
import '../../src/ui/styles/base.css';
import '../../src/ui/styles/popup.css';
import '../../src/ui/styles/touch.css';
import './style.css';

// No token in the address: the content script that placed this frame claims it (tokens.ts).
startVerify(document.getElementById('app')!);
