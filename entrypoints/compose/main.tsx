import { startCompose } from '../../src/overlay/pages/compose';
import { startVerify } from '../../src/overlay/pages/verify';
import '../../src/ui/styles/base.css';
import '../../src/ui/styles/popup.css';

// The hash carries the one-time token ("TOKEN" or "verify.TOKEN"); drop it from the address at once.
const hash = location.hash.slice(1);
history.replaceState(null, '', location.pathname);
if (hash.startsWith('verify.')) {
  document.body.classList.add('verify');
  startVerify(document.getElementById('app')!, hash.slice(7));
} else {
  document.getElementById('app')!.remove();
  startCompose(document, hash);
}
