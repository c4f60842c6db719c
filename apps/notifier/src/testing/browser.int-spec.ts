import { Browser } from 'playwright-core';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { expectNoAccessibilityViolations, launchChromium } from './browser';

/** The accessibility check other tests rely on must be able to fail, with JavaScript on or off. */
describe('expectNoAccessibilityViolations', () => {
  let server: Server;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    server = createServer((request, response) => {
      response.setHeader('content-type', 'text/html; charset=utf-8');
      response.end(
        request.url === '/bad'
          ? '<!DOCTYPE html><html><head><title>Bad</title></head><body><main><h1>Bad</h1><img src="/x.png"><input type="text"></main></body></html>'
          : '<!DOCTYPE html><html lang="en"><head><title>Good</title></head><body><main><h1>Good</h1><label for="a">Name</label><input id="a" type="text"></main></body></html>',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it.each([true, false])('names each violation and its element (JavaScript %p)', async (javaScriptEnabled) => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    await page.goto(`${url}/bad`);
    const failure = await expectNoAccessibilityViolations(page).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(failure).toContain('html-has-lang');
    expect(failure).toContain('image-alt');
    expect(failure).toMatch(/label[\s\S]*input/);
    await page.goto(`${url}/good`);
    await expect(expectNoAccessibilityViolations(page)).resolves.toBeUndefined();
    await context.close();
  });
});
