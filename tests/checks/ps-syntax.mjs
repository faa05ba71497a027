// Parses PowerShell scripts with the tree-sitter PowerShell grammar and reports every syntax
// error (ERROR or MISSING node) with its position. With --facts it also prints, one per line
// ("fact<TAB>kind<TAB>file:line<TAB>text"), what tests/checks/check-powershell.sh asserts about the
// installer from the syntax tree (so comments and help text never count):
//   env-arch     a read of $env:PROCESSOR_ARCHITECTURE or $env:PROCESSOR_ARCHITEW6432
//   drivers-path a string naming a drivers folder, with the variable it is assigned to
//   file-op      Copy-Item/Move-Item/Remove-Item/New-Item and the path it writes or removes
import { Parser, Language } from 'web-tree-sitter';
import fs from 'fs';
import path from 'path';

const modules = process.env.PS_SYNTAX_MODULES;
await Parser.init();
const language = await Language.load(
  path.join(modules, 'tree-sitter-powershell', 'tree-sitter-powershell.wasm'));
const parser = new Parser();
parser.setLanguage(language);

const facts = process.argv[2] === '--facts';
const files = process.argv.slice(facts ? 3 : 2);
const fact = (kind, file, node, text) =>
  console.log(['fact', kind, `${file}:${node.startPosition.row + 1}`, text].join('\t'));

// The variable an assignment around node sets, or '-'.
const assignedTo = (node) => {
  for (let up = node.parent; up !== null; up = up.parent) {
    if (up.type === 'assignment_expression') return up.children[0].text;
  }
  return '-';
};

// A file cmdlet's destination (-Destination) or target (-LiteralPath/-Path when it removes or
// creates), as written.
const FILE_OPS = { 'copy-item': 'destination', 'move-item': 'destination',
                   'remove-item': 'literalpath|path', 'new-item': 'path' };
const fileOp = (file, node) => {
  const name = node.children.find((c) => c.type === 'command_name');
  const wanted = name && FILE_OPS[name.text.toLowerCase()];
  if (!wanted) return;
  const elements = node.children.find((c) => c.type === 'command_elements');
  const parts = elements ? elements.children.filter((c) => c.type !== 'command_argument_sep') : [];
  for (let i = 0; i + 1 < parts.length; i++) {
    const parameter = parts[i].type === 'command_parameter' && parts[i].text.slice(1).toLowerCase();
    if (parameter && new RegExp(`^(${wanted})$`).test(parameter)) {
      fact('file-op', file, node, `${name.text} -${parameter} ${parts[i + 1].text}`);
    }
  }
};

let errors = 0;
for (const file of files) {
  const tree = parser.parse(fs.readFileSync(file, 'utf8'));
  const found = [];
  const walk = (node) => {
    if (node.type === 'ERROR' || node.isMissing) found.push(node);
    if (facts && node.type === 'variable' && /^\$env:PROCESSOR_ARCHITE/i.test(node.text)) {
      fact('env-arch', file, node, node.text);
    }
    if (facts && /string_literal$/.test(node.type) && !/string_literal$/.test(node.parent.type) &&
        /\\drivers(\\|$)/i.test(node.text)) {
      fact('drivers-path', file, node, `${assignedTo(node)} = ${node.text}`);
    }
    if (facts && node.type === 'command') fileOp(file, node);
    for (const child of node.children) walk(child);
  };
  walk(tree.rootNode);
  for (const node of found) {
    const what = node.isMissing ? `missing ${node.type}` : 'syntax error';
    console.log(`${file}:${node.startPosition.row + 1}:${node.startPosition.column + 1}: ${what} near ${JSON.stringify(node.text.slice(0, 60))}`);
  }
  errors += found.length;
}
console.log(`PowerShell syntax: ${files.length} files, ${errors} errors`);
process.exit(errors === 0 ? 0 : 1);
