import { withoutRemoteFontFaces } from './pages';

describe('withoutRemoteFontFaces', () => {
  it('drops font faces loaded from another origin and keeps everything else', () => {
    const css =
      '@font-face{font-family:Frutiger W01;font-weight:400;src:url(https://assets.nhs.uk/fonts/FrutigerLTW01-55Roman.woff2) format("woff2")}' +
      '.nhsuk-button{background:#007f3b}' +
      '@font-face{font-family:Local;src:url(/assets/app/local.woff2)}' +
      '@font-face { font-family: Frutiger W01; src: url("http://assets.nhs.uk/fonts/b.woff") }';
    expect(withoutRemoteFontFaces(css)).toBe('.nhsuk-button{background:#007f3b}@font-face{font-family:Local;src:url(/assets/app/local.woff2)}');
  });
});
