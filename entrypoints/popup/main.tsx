import { render } from 'preact';

render(<main>OffRecord</main>, document.getElementById('app')!);
