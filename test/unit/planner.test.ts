import { describe, expect, it } from 'vitest';
import { planRecipes, PlanError } from '../../runner/engine/planner.js';
import type { Recipe } from '../../runner/engine/types.js';

const r = (name: string, after: string[] = []): Recipe => ({ name, summary: name, roles: ['all'], after, steps: () => [] });
const names = (rs: Recipe[]) => rs.map((x) => x.name);

describe('planner', () => {
  const registry = [r('update'), r('install', ['update']), r('config', ['install']), r('web', ['update']), r('verify', ['config', 'web'])];

  it('keeps registry order when it already satisfies dependencies', () => {
    expect(names(planRecipes(registry))).toEqual(['update', 'install', 'config', 'web', 'verify']);
  });

  it('puts dependencies first even when the registry lists them later', () => {
    const shuffled = [r('verify', ['config']), r('config', ['install']), r('install')];
    expect(names(planRecipes(shuffled))).toEqual(['install', 'config', 'verify']);
  });

  it('plans only the named recipes without --with-deps', () => {
    expect(names(planRecipes(registry, ['config']))).toEqual(['config']);
  });

  it('adds transitive dependencies with --with-deps', () => {
    expect(names(planRecipes(registry, ['config'], { withDeps: true }))).toEqual(['update', 'install', 'config']);
  });

  it('orders named recipes by their dependencies whatever order they are given in', () => {
    expect(names(planRecipes(registry, ['verify', 'update']))).toEqual(['update', 'verify']);
  });

  it('reports an unknown recipe with the known ones, exit code 2', () => {
    try {
      planRecipes(registry, ['haproxy-confg']);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PlanError);
      expect((e as PlanError).message).toBe('unknown recipe "haproxy-confg"; known recipes: update, install, config, web, verify (haforge list)');
      expect((e as PlanError).exitCode).toBe(2);
    }
  });

  it('reports a cycle with its path', () => {
    const cyclic = [r('a', ['c']), r('b', ['a']), r('c', ['b'])];
    expect(() => planRecipes(cyclic)).toThrow('recipe dependency cycle: a -> c -> b -> a');
  });

  it('reports a dependency on a recipe that does not exist', () => {
    expect(() => planRecipes([r('a', ['nope'])])).toThrow('recipe a runs after unknown recipe "nope"');
  });
});
