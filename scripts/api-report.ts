// The public surface of chart-testware, read with the TypeScript compiler from the package's entry points:
// every exported name per entry, and the signatures of exported functions and class members. It also checks that
// each type a public signature names (an option bag, a result) is itself exported from some entry, and that the
// root entry stays small. `npm run lint` runs it with --check against docs/api-report.md, so the surface changes only
// on purpose: after a deliberate change, `node scripts/api-report.ts` writes the report anew.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(import.meta.dirname, '..');
const reportFile = path.join(root, 'docs', 'api-report.md');

/** Package subpath → entry source. Kept in step with package.json "exports" (checked below). */
export const entries: Record<string, string> = {
  '.': 'testsupport/index.ts',
  './helm': 'testsupport/api/helm.ts',
  './kube': 'testsupport/api/kube.ts',
  './policy': 'testsupport/api/policy.ts',
  './probes': 'testsupport/api/probes.ts',
};
export const rootEntryLimit = 70;

interface Surface {
  report: string;
  problems: string[];
}

function kindOf(declaration: ts.Declaration): string {
  if (ts.isClassDeclaration(declaration)) return 'class';
  if (ts.isFunctionDeclaration(declaration)) return 'function';
  if (ts.isInterfaceDeclaration(declaration)) return 'interface';
  if (ts.isTypeAliasDeclaration(declaration)) return 'type';
  if (ts.isVariableDeclaration(declaration)) return 'const';
  if (ts.isEnumDeclaration(declaration)) return 'enum';
  return ts.SyntaxKind[declaration.kind];
}

/** A member or function marked `@internal` in its doc comment is left out (constructors of errors and results). */
function isInternal(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal');
}

/** The declaration's text up to its body, on one line. */
function signatureOf(node: ts.Node): string {
  const body = (node as { body?: ts.Node }).body;
  const text = node.getSourceFile().text.slice(node.getStart(), body ? body.getStart() : node.end);
  return text
    .replace(/\s+/g, ' ')
    .replace(/[;{ ]+$/, '')
    .trim();
}

export function readSurface(): Surface {
  const program = ts.createProgram(
    Object.values(entries).map((file) => path.join(root, file)),
    {
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      allowImportingTsExtensions: true,
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      types: ['node'],
    },
  );
  const checker = program.getTypeChecker();
  const exportedDeclarations = new Set<ts.Declaration>();
  const perEntry = new Map<string, { name: string; symbol: ts.Symbol }[]>();
  const problems: string[] = [];

  for (const [subpath, file] of Object.entries(entries)) {
    const source = program.getSourceFile(path.join(root, file));
    if (!source) throw new Error(`api-report: cannot read ${file}`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    const names = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
    const list = names.map((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      for (const declaration of target.declarations ?? []) exportedDeclarations.add(declaration);
      return { name: symbol.name, symbol: target };
    });
    list.sort((a, b) => a.name.localeCompare(b.name));
    perEntry.set(subpath, list);
  }

  const lines: string[] = [
    '# API report',
    '',
    'Written by `node scripts/api-report.ts` from the package entries; `npm run lint` fails when the code differs.',
    '',
  ];
  const publicTypeNames = new Set<string>();

  const visitTypes = (node: ts.Node, where: string): void => {
    if (ts.isTypeReferenceNode(node)) {
      const symbol = checker.getSymbolAtLocation(node.typeName);
      const target = symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      for (const declaration of target?.declarations ?? []) {
        const file = path.relative(root, declaration.getSourceFile().fileName);
        if (!file.startsWith('testsupport/') || ts.isTypeParameterDeclaration(declaration)) continue;
        publicTypeNames.add(target?.name ?? '');
        if (!exportedDeclarations.has(declaration)) {
          problems.push(`${where} names type ${target?.name} (${file}), which no entry exports`);
        }
      }
    }
    ts.forEachChild(node, (child) => visitTypes(child, where));
  };

  for (const [subpath, list] of perEntry) {
    lines.push(`## chart-testware${subpath === '.' ? '' : subpath.slice(1)} (${list.length} names)`, '');
    for (const { name, symbol } of list) {
      const declaration = symbol.declarations?.[0];
      if (!declaration) continue;
      lines.push(`- ${kindOf(declaration)} \`${name}\``);
      const members: ts.Node[] = [];
      if (ts.isFunctionDeclaration(declaration)) members.push(declaration);
      if (ts.isClassDeclaration(declaration)) {
        for (const member of declaration.members) {
          const modifiers = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
          const hidden = modifiers.some(
            (m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword,
          );
          const privateName = member.name !== undefined && ts.isPrivateIdentifier(member.name);
          if (hidden || privateName) continue;
          if (
            ts.isMethodDeclaration(member) ||
            ts.isGetAccessorDeclaration(member) ||
            ts.isConstructorDeclaration(member) ||
            ts.isPropertyDeclaration(member)
          ) {
            members.push(member);
          }
        }
      }
      for (const member of members) {
        if (isInternal(member)) continue;
        const signature = signatureOf(member);
        lines.push(`  - \`${signature}\``);
        if (ts.isFunctionLike(member)) {
          const where = `${name}: ${signature.slice(0, 60)}`;
          for (const parameter of member.parameters) if (parameter.type) visitTypes(parameter.type, where);
          if (member.type) visitTypes(member.type, where);
        }
      }
    }
    lines.push('');
  }

  const rootCount = perEntry.get('.')?.length ?? 0;
  if (rootCount > rootEntryLimit) {
    problems.push(
      `the root entry exports ${rootCount} names; keep it to ${rootEntryLimit} (move the rest to a subpath)`,
    );
  }
  const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    exports?: Record<string, unknown>;
  };
  for (const subpath of Object.keys(entries)) {
    if (!packageJson.exports?.[subpath]) problems.push(`package.json "exports" has no "${subpath}"`);
  }
  return { report: `${lines.join('\n').trimEnd()}\n`, problems: [...new Set(problems)] };
}

function main(): void {
  const check = process.argv.includes('--check');
  const { report, problems } = readSurface();
  for (const problem of problems) console.error(`api-report: ${problem}`);
  if (check) {
    let committed = '';
    try {
      committed = readFileSync(reportFile, 'utf8');
    } catch {
      // no report yet
    }
    if (committed !== report) {
      console.error(
        'api-report: the public API differs from docs/api-report.md; if that is on purpose, run `node scripts/api-report.ts` and commit the report',
      );
      process.exit(1);
    }
  } else {
    writeFileSync(reportFile, report);
    console.log(`api-report: wrote ${path.relative(root, reportFile)}`);
  }
  if (problems.length > 0) process.exit(1);
  if (check) console.log('api-report: ok');
}

if (import.meta.filename === process.argv[1]) main();
