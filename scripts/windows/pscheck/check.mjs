// Parses PowerShell files with the tree-sitter PowerShell grammar and fails on syntax errors.
// Not PowerShell's own parser (Debian has no pwsh), but it catches unbalanced braces, broken
// strings, bad param blocks and the like before a script reaches a Windows build machine.
import fs from 'node:fs';
import Parser from 'tree-sitter';
import PowerShell from 'tree-sitter-powershell';

const parser = new Parser();
parser.setLanguage(PowerShell);
let failed = 0;
const parsed = [];
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
  parsed.push({ file, tree });
  if (problems.length) {
    failed++;
    problems.forEach((p) => console.error(p));
  } else {
    console.log(`ok  ${file}`);
  }
}

// Second pass: a call of a function (or of a sibling .ps1 through & (Join-Path $PSScriptRoot 'x.ps1'))
// defined in these files may only name parameters that function declares, spelt out in full.
// A misspelt one fails only at run time, on a Windows build machine, after the slow steps; an
// abbreviation PowerShell accepts today turns ambiguous when a parameter is added.
const COMMON = new Set(['verbose', 'debug', 'erroraction', 'warningaction', 'informationaction', 'errorvariable',
  'warningvariable', 'informationvariable', 'outvariable', 'outbuffer', 'pipelinevariable', 'whatif', 'confirm']);
const descendants = (node, type, out = [], stopAt = null) => {
  for (const c of node.children) {
    if (c.type === type) out.push(c);
    if (!stopAt || !stopAt.includes(c.type)) descendants(c, type, out, stopAt);
  }
  return out;
};
const paramNames = (holder) => {
  const lists = [];
  for (const c of holder.children) {
    if (c.type === 'function_parameter_declaration') lists.push(...descendants(c, 'parameter_list'));
    if (c.type === 'script_block' || c.type === 'param_block' || c.type === 'statement_list') {
      for (const pb of (c.type === 'param_block' ? [c] : c.children.filter((x) => x.type === 'param_block'))) {
        lists.push(...descendants(pb, 'parameter_list'));
      }
    }
  }
  const names = new Set();
  for (const l of lists) {
    for (const sp of l.children.filter((x) => x.type === 'script_parameter')) {
      const v = sp.children.find((x) => x.type === 'variable');
      if (v) names.add(v.text.replace(/^\$/, '').replace(/^[a-z]+:/i, '').toLowerCase());
    }
  }
  return names;
};
const functions = new Map();
const addFn = (name, params) => {
  const key = name.toLowerCase();
  const known = functions.get(key) || new Set();
  params.forEach((p) => known.add(p));
  functions.set(key, known);
};
for (const { file, tree } of parsed) {
  for (const fn of descendants(tree.rootNode, 'function_statement')) {
    const name = fn.children.find((x) => x.type === 'function_name');
    if (name) addFn(name.text, paramNames(fn));
  }
  addFn(file.split('/').pop(), paramNames(tree.rootNode)); // the script's own param block
}
for (const { file, tree } of parsed) {
  const problems = [];
  for (const cmd of descendants(tree.rootNode, 'command')) {
    let name = cmd.children.find((x) => x.type === 'command_name')?.text;
    if (!name) {
      const expr = cmd.children.find((x) => x.type === 'command_name_expr');
      const m = expr && /([\w.-]+\.ps1)'/.exec(expr.text);
      name = m ? m[1] : null;
    }
    const known = name && functions.get(name.toLowerCase());
    if (!known) continue;
    const elements = cmd.children.find((x) => x.type === 'command_elements');
    for (const p of elements ? elements.children.filter((x) => x.type === 'command_parameter') : []) {
      const given = p.text.replace(/^-/, '').replace(/:$/, '').toLowerCase();
      if (!known.has(given) && !COMMON.has(given)) {
        problems.push(`${file}:${p.startPosition.row + 1}:${p.startPosition.column + 1}: ${name} has no parameter -${given}`
          + ` (it has: ${[...known].map((k) => '-' + k).join(' ') || 'none'})`);
      }
    }
  }
  if (problems.length) {
    failed++;
    problems.forEach((p) => console.error(p));
  }
}
process.exit(failed ? 1 : 0);
