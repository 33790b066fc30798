// The pages' assets and templates, next to the compiled code: GOV.UK Frontend's stylesheet compiled
// with the project's settings (Arial, no GDS Transport), its script and images, and the views.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { NodePackageImporter, compile } from 'sass';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const govuk = join(dirname(createRequire(import.meta.url).resolve('govuk-frontend/package.json')), 'dist', 'govuk');
const out = join(root, 'dist', 'public');
mkdirSync(out, { recursive: true });

const css = compile(join(root, 'src', 'styles', 'app.scss'), {
  importers: [new NodePackageImporter(root)],
  style: 'compressed',
  quietDeps: true,
  silenceDeprecations: ['import'],
});
writeFileSync(join(out, 'app.css'), css.css);
cpSync(join(govuk, 'govuk-frontend.min.js'), join(out, 'govuk-frontend.min.js'));
cpSync(join(govuk, 'assets', 'images'), join(out, 'images'), { recursive: true });
cpSync(join(root, 'src', 'public'), out, { recursive: true });
cpSync(join(root, 'src', 'views'), join(root, 'dist', 'views'), { recursive: true });
