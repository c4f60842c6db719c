import Handlebars from 'handlebars';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { resolveAsset } from './assets';

/** The email and page templates under apps/notifier/templates, compiled once. HTML is escaped by default. */
export class TemplateRenderer {
  private readonly engine = Handlebars.create();
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();

  constructor(directory = resolveAsset('apps/notifier/templates')) {
    this.engine.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]));
    for (const file of walk(directory).filter((path) => path.endsWith('.hbs'))) {
      const name = relative(directory, file).replace(/\\/g, '/').replace(/\.hbs$/, '');
      // pages/partials/<name>.hbs are used in pages as {{> <name> ...}} (the NHS.UK error summary and field errors).
      if (name.startsWith('pages/partials/')) {
        this.engine.registerPartial(name.slice('pages/partials/'.length), readFileSync(file, 'utf8'));
        continue;
      }
      // Plain-text parts and subjects are not HTML: escaping would show entities to the reader.
      const html = name.startsWith('pages/') || name.endsWith('.html');
      this.compiled.set(name, this.engine.compile(readFileSync(file, 'utf8'), { noEscape: !html }));
    }
  }

  render(name: string, context: object): string {
    const template = this.compiled.get(name);
    if (!template) throw new Error(`No template ${name}`);
    return template(context);
  }

  page(name: string, context: { title: string; [key: string]: unknown }): string {
    return this.render('pages/layout', { ...context, body: this.render(`pages/${name}`, context) });
  }
}
