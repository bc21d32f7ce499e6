import { render } from 'preact';
import { PopupApp } from '../../src/ui/popup/PopupApp';
import '../../src/ui/styles/base.css';
import '../../src/ui/styles/popup.css';
import '../../src/ui/styles/touch.css';

render(<PopupApp />, document.getElementById('app')!);
