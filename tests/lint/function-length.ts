import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// Function sizes read with the TypeScript compiler: every function, method, accessor, constructor and arrow
// function, measured from its first to its last line (nested functions count in their outer one too).

export interface FunctionSize {
  /** "file.ts:name" (a method as "Class.method", an arrow function by the name it is given, else "<line N>"). */
  readonly id: string;
  readonly lines: number;
}

export function functionSizes(file: string, source: string): FunctionSize[] {
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const sizes: FunctionSize[] = [];
  const lineOf = (position: number) => sourceFile.getLineAndCharacterOfPosition(position).line + 1;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = lineOf(node.getStart(sourceFile));
      sizes.push({
        id: `${path.basename(file)}:${nameOf(node) ?? `<line ${first}>`}`,
        lines: lineOf(node.end) - first + 1,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return sizes;
}

function nameOf(node: ts.Node): string | undefined {
  const own = (node as { name?: ts.Node }).name;
  const named =
    own && (ts.isIdentifier(own) || ts.isPrivateIdentifier(own) || ts.isStringLiteral(own)) ? own.text : undefined;
  if (ts.isConstructorDeclaration(node)) return `${classOf(node)}.constructor`;
  if (ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)) {
    return `${classOf(node)}.${named ?? own?.getText()}`;
  }
  if (named) return named;
  const parent = node.parent;
  if (
    parent &&
    (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
  ) {
    return parent.name.getText();
  }
  return undefined;
}

function classOf(node: ts.Node): string {
  const owner = node.parent as { name?: ts.Identifier } | undefined;
  return owner?.name?.text ?? '<class>';
}

/** The .ts files of a folder, recursively. */
export function tsFilesIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

export function sizesIn(dir: string): FunctionSize[] {
  return tsFilesIn(dir).flatMap((file) =>
    functionSizes(file, readFileSync(file, 'utf8')).map((size) => ({
      ...size,
      id: `${path.relative(path.dirname(dir), path.dirname(file))}/${size.id}`,
    })),
  );
}
