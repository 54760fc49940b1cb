// Values reach the chart with the type and value the test gave them, as helm itself sees them (`toJson .Values`
// in the values-echo fixture), and values helm cannot receive are refused with their key path.
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { resolveHelmBinary } from '../../testsupport/api/helm.ts';
import { HelmChart, HelmTestAdaptor, mark, ValuesError } from '../../testsupport/index.ts';

const chartDir = path.join(import.meta.dirname, '..', 'fixtures', 'charts', 'values-echo');

async function helmView(values: unknown): Promise<Record<string, unknown>> {
  const chart = await HelmChart.render(chartDir, { values: values as Record<string, unknown> });
  return JSON.parse(chart.get('ConfigMap').data?.['values.json'] as string) as Record<string, unknown>;
}

mark('no_deploy').describe('values as helm sees them', () => {
  test('strings that YAML 1.1 reads as booleans, numbers, nulls or timestamps stay strings', async () => {
    const words = ['yes', 'no', 'on', 'off', 'y', 'n', 'NO', 'Yes', 'OFF', 'true', 'True', 'null', '~', 'Null', ''];
    const numbers = ['1_000', '0755', '0x1F', '0o17', '1e3', '.inf', '-.Inf', '.NaN', '1:20', '2001-12-14', '+12'];
    const special = ['<<', '=', '--set a=b', "it's", '"quoted"', '{{ .Values.x }}', 'a,b', 'line\nbreak', ' padded '];
    const strings = [...words, ...numbers, ...special];
    const seen = await helmView({ strings });
    expect(seen.strings).toEqual(strings);
  });

  test('keys like no, n, on, y, <<, 0755 stay distinct keys', async () => {
    const keys = { no: 1, n: 2, on: 3, off: 4, y: 5, yes: 6, '<<': 7, '0755': 8, true: 9, null: 10, '~': 11 };
    expect(await helmView({ keys })).toEqual({ keys });
  });

  test('numbers keep their value: helm holds 64-bit floats, as JavaScript does', async () => {
    const numbers = {
      zero: 0,
      negative: -42,
      int32: 2_147_483_648,
      large: 3_000_000_000,
      maxSafe: Number.MAX_SAFE_INTEGER,
      beyondSafe: 2 ** 64 + 2 ** 12, // beyond 2^53: a float in JavaScript, and that float is what helm keeps
      fraction: 0.1,
      tiny: 1.5e-7,
      huge: 1e21,
      max: Number.MAX_VALUE,
    };
    expect(await helmView({ numbers })).toEqual({ numbers });
  });

  test('booleans, null, nested arrays and objects keep their types', async () => {
    const mixed = { t: true, f: false, list: [1, 'off', [null, { deep: 'yes' }]], empty: {}, none: [] };
    const seen = await helmView({ mixed, gone: null });
    expect(seen.mixed).toEqual(mixed);
    // helm's own rule: a null value removes the key (here there is no chart default to remove)
    expect(seen).not.toHaveProperty('gone.x');
  });
});

mark('no_deploy').describe('values helm cannot receive', () => {
  const refused = (values: unknown) => HelmChart.render(chartDir, { values: values as Record<string, unknown> });

  test('values that are not an object', async () => {
    await expect(refused('replicaCount: 2')).rejects.toThrow(
      /^values must be an object of chart values, got the string "replicaCount: 2"/,
    );
    await expect(refused(42)).rejects.toThrow(ValuesError);
    await expect(refused(null)).rejects.toThrow(/values must be an object of chart values, got null/);
    await expect(HelmChart.render(chartDir, { values: [{ a: 1 }, [1, 2] as never] })).rejects.toThrow(
      /^values\[1\] must be an object of chart values, got an array/,
    );
  });

  test('functions, symbols, bigints, non-finite numbers and class instances, named by key path', async () => {
    await expect(refused({ special: { f: () => 1 } })).rejects.toThrow(/^values\.special\.f is a function/);
    await expect(refused({ list: [1, Symbol('s')] })).rejects.toThrow(/^values\.list\[1\] is a symbol/);
    await expect(refused({ big: 12345678901234567890n })).rejects.toThrow(/^values\.big is a bigint.*\n.*as a string/);
    await expect(refused({ 'odd key': Number.NaN })).rejects.toThrow(/^values\["odd key"\] is NaN/);
    await expect(refused({ when: new Date(0) })).rejects.toThrow(/^values\.when is a Date, not plain data/);
  });

  test('cycles are named, not a stack overflow', async () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = { back: a };
    await expect(refused({ a })).rejects.toThrow(/^values\.a\.self\.back refers back to an object that contains it/);
  });

  test('the adaptor refuses the same values before helm runs', async () => {
    const helm = new HelmTestAdaptor(await resolveHelmBinary());
    await expect(helm.template(chartDir, { values: { f: () => 1 } as never })).rejects.toThrow(
      /^values\.f is a function/,
    );
  });
});

mark('no_deploy').describe('other render inputs checked before helm runs', () => {
  test('empty chart path, bad releaseName, namespace, kubeVersion, timeout', async () => {
    await expect(HelmChart.render('')).rejects.toThrow(
      /^HelmChart.render needs the chart directory as a path, got "", which is empty/,
    );
    await expect(HelmChart.render(chartDir, { releaseName: 'Bad_Name!' })).rejects.toThrow(
      /^releaseName "Bad_Name!" is not a valid helm release name/,
    );
    await expect(HelmChart.render(chartDir, { namespace: 'Not Valid' })).rejects.toThrow(
      /^namespace "Not Valid" is not a valid Kubernetes namespace name/,
    );
    await expect(HelmChart.render(chartDir, { kubeVersion: 'banana' })).rejects.toThrow(
      /^kubeVersion "banana" is not a Kubernetes version/,
    );
    const helm = new HelmTestAdaptor(await resolveHelmBinary());
    await expect(helm.template(chartDir, { timeout: -5 })).rejects.toThrow(/^timeout -5 is not a timeout/);
    expect(() => new HelmTestAdaptor(helm.binary, { namespace: 'Bad NS' })).toThrow(
      /^namespace "Bad NS" is not a valid Kubernetes namespace name/,
    );
  });

  describe('hints that name the real cause', () => {
    test('a missing values file is blamed on the values file, not on the schema', async () => {
      const error = (await HelmChart.render(chartDir, { valuesFiles: ['ci/no-such-values.yaml'] }).catch(
        (caught: unknown) => caught,
      )) as Error;
      expect(error.message).toMatch(/values file ci\/no-such-values\.yaml/);
      expect(error.message).not.toMatch(/schema/);
    });
  });
});
