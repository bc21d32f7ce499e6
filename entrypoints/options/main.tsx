import { render } from 'preact';
import { OptionsApp } from '../../src/ui/options/OptionsApp';
import '../../src/ui/styles/base.css';
import '../../src/ui/styles/options.css';
import '../../src/ui/styles/touch.css';

render(<OptionsApp />, document.getElementById('app')!);
