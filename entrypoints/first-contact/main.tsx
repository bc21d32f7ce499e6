import { render } from 'preact';
import { FirstContactApp } from '../../src/ui/guide/FirstContactApp';
import '../../src/ui/styles/base.css';
import '../../src/ui/styles/options.css';
import '../../src/ui/styles/touch.css';

render(<FirstContactApp />, document.getElementById('app')!);
