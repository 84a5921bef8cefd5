import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileGlob, IncludesExcludes, isGlob } from './glob.ts';

describe('globs', () => {
  test('literal names match only themselves, dots included', () => {
    assert.equal(isGlob('deployments.apps'), false);
    const m = compileGlob('deployments.apps');
    assert.equal(m('deployments.apps'), true);
    assert.equal(m('deploymentsXapps'), false);
  });

  test('*, ? and character classes', () => {
    assert.equal(compileGlob('team-*')('team-a'), true);
    assert.equal(compileGlob('team-*')('team-'), true);
    assert.equal(compileGlob('team-*')('xteam-a'), false);
    assert.equal(compileGlob('ns-?')('ns-1'), true);
    assert.equal(compileGlob('ns-?')('ns-12'), false);
    assert.equal(compileGlob('ns-[a-c]')('ns-b'), true);
    assert.equal(compileGlob('ns-[a-c]')('ns-d'), false);
    assert.equal(compileGlob('ns-[!a-c]')('ns-d'), true);
    assert.equal(compileGlob('ns-[!a-c]')('ns-a'), false);
    assert.equal(compileGlob('*.example.com')('gadgets.example.com'), true);
    assert.equal(compileGlob('*')(''), true);
    assert.equal(compileGlob('a[')('a['), true, 'an unterminated class is literal');
  });

  test('includes/excludes follow Velero: excludes win, empty or * includes everything', () => {
    const all = new IncludesExcludes([], []);
    assert.equal(all.shouldInclude('x'), true);
    assert.equal(all.includesEverything(), true);
    const star = new IncludesExcludes(['*'], ['kube-*']);
    assert.equal(star.shouldInclude('shop'), true);
    assert.equal(star.shouldInclude('kube-system'), false);
    assert.equal(star.includesEverything(), false);
    assert.equal(star.hasExplicitIncludes(), false);
    const some = new IncludesExcludes(['shop', 'blog-*'], ['blog-old']);
    assert.equal(some.shouldInclude('shop'), true);
    assert.equal(some.shouldInclude('blog-new'), true);
    assert.equal(some.shouldInclude('blog-old'), false);
    assert.equal(some.shouldInclude('other'), false);
    assert.equal(some.shouldExclude('other'), false);
    assert.equal(some.hasExplicitIncludes(), true);
  });
});
