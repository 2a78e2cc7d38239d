// Stands in for the npm package `style-mod` inside the bundle (an esbuild alias, see build.mjs).
//
// CodeMirror styles itself by writing <style> elements into the document at run time; the site's
// Content-Security-Policy (style-src 'self') forbids inline styles, so the browser would refuse
// them. Instead, the build runs the finished bundle once in Node, collects the rules of every
// style module CodeMirror creates while loading, and writes them to codemirror.css, served from
// 'self'. In the browser, mounting is then a no-op: the rules are already on the page. A module
// made after loading (a theme built at run time) has no rules in that file, so mounting one is
// reported as a console error, which the browser tests fail on.
import { StyleModule as RealStyleModule } from "../node_modules/style-mod/src/style-mod.js";

const created = [];
let sealed = false;

export class StyleModule extends RealStyleModule {
  constructor(spec, options) {
    super(spec, options);
    this.dynamic = sealed;
    created.push(this);
  }

  static mount(root, modules) {
    for (const module of Array.isArray(modules) ? modules : [modules]) {
      if (module.dynamic) {
        console.error("ldpub editor: a CodeMirror style made at run time is not in codemirror.css");
      }
    }
  }
}

export function sealStyles() {
  sealed = true;
}

export function staticStyleRules() {
  return created.filter((m) => !m.dynamic).map((m) => m.getRules()).join("\n");
}
