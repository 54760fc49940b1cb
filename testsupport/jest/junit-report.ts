import path from 'node:path';
import { redactText } from '../helm/secret-redaction.ts';
import type { JestResults } from './jest-results.ts';
import { type TestRecord, testKey } from './run-state.ts';

/**
 * JUnit XML as GitLab renders it: one testsuite per file, markers as testcase properties, quarantined failures
 * marked as such, and diagnostics directories as [[ATTACHMENT|...]] lines.
 */
export function junitReport(jest: JestResults, records: ReadonlyMap<string, TestRecord>, rootDir: string): string {
  const suites: string[] = [];
  let total = 0;
  let failures = 0;
  for (const file of jest.testResults) {
    const relative = path.relative(rootDir, file.name);
    const cases: string[] = [];
    let suiteFailures = 0;
    let suiteSkipped = 0;
    for (const result of file.assertionResults) {
      const record = records.get(testKey(file.name, result.fullName));
      if (record?.status === 'deselected') continue;
      const markers = record?.markers ?? [];
      const quarantined = markers.includes('quarantine');
      const properties = markers.map((marker) => `<property name="marker" value="${xml(marker)}"/>`);
      if (quarantined) properties.push('<property name="quarantine" value="true"/>');
      const body: string[] = [];
      if (properties.length > 0) body.push(`<properties>${properties.join('')}</properties>`);
      if (result.status === 'failed') {
        suiteFailures++;
        const message = redactText(stripAnsi(result.failureMessages.join('\n')));
        const prefix = quarantined ? '[quarantined, does not fail the run] ' : '';
        body.push(
          `<failure message="${xml(prefix + firstLine(message))}" type="${quarantined ? 'QuarantinedFailure' : 'AssertionError'}">${xml(message)}</failure>`,
        );
      } else if (result.status !== 'passed') {
        suiteSkipped++;
        body.push('<skipped/>');
      }
      if (record?.artifactsDir)
        body.push(`<system-out>${xml(`[[ATTACHMENT|${path.relative(rootDir, record.artifactsDir)}]]`)}</system-out>`);
      const seconds = ((result.duration ?? 0) / 1000).toFixed(3);
      cases.push(
        `    <testcase classname="${xml([relative, ...result.ancestorTitles].join(' › '))}" name="${xml(result.title)}" file="${xml(relative)}" time="${seconds}">${body.join('')}</testcase>`,
      );
    }
    if (file.status === 'failed' && !file.assertionResults.some((result) => result.status === 'failed')) {
      suiteFailures++;
      const message = redactText(stripAnsi(file.message));
      cases.push(
        `    <testcase classname="${xml(relative)}" name="(test file)" file="${xml(relative)}" time="0"><error message="${xml(firstLine(message))}">${xml(message)}</error></testcase>`,
      );
    }
    total += cases.length;
    failures += suiteFailures;
    const seconds = ((file.endTime - file.startTime) / 1000).toFixed(3);
    suites.push(
      `  <testsuite name="${xml(relative)}" tests="${cases.length}" failures="${suiteFailures}" skipped="${suiteSkipped}" time="${seconds}">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="chart-testware" tests="${total}" failures="${failures}">\n${suites.join('\n')}\n</testsuites>\n`;
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim()
      .slice(0, 300) ?? ''
  );
}

function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes from Jest's messages
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

function xml(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: characters XML 1.0 forbids
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
  );
}
