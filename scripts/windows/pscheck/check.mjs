// Parses PowerShell files with the tree-sitter PowerShell grammar and fails on syntax errors.
// Not PowerShell's own parser (Debian has no pwsh), but it catches unbalanced braces, broken
// strings, bad param blocks and the like before a script reaches a Windows build machine.
import fs from 'node:fs';
import Parser from 'tree-sitter';
import PowerShell from 'tree-sitter-powershell';

const parser = new Parser();
parser.setLanguage(PowerShell);
let failed = 0;
for (const file of process.argv.slice(2)) {
  const source = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const tree = parser.parse(source, null, { bufferSize: 1024 * 1024 });
  const problems = [];
  const walk = (node) => {
    if (node.type === 'ERROR' || node.isMissing) {
      problems.push(`${file}:${node.startPosition.row + 1}:${node.startPosition.column + 1}: `
        + (node.isMissing ? `missing ${node.type}` : `cannot parse: ${source.slice(node.startIndex, Math.min(node.endIndex, node.startIndex + 60)).split('\n')[0]}`));
      if (node.type === 'ERROR') return;
    }
    for (const child of node.children) walk(child);
  };
  walk(tree.rootNode);
  if (problems.length) {
    failed++;
    problems.forEach((p) => console.error(p));
  } else {
    console.log(`ok  ${file}`);
  }
}
process.exit(failed ? 1 : 0);
