// Starts nhsuk-frontend's components (error summary focus, header menu). Pages work without it.
import { initAll } from '/assets/nhsuk/nhsuk-frontend.min.js';

document.body.classList.add('nhsuk-frontend-supported');
initAll();
