// The one bundle the query page loads (static/vendor/codemirror/codemirror.min.js): the parts of
// CodeMirror 6 that static/query.js uses, published as the global `LdpubCM`. The editor's set-up,
// its completion and the results table are ldpub's own code, in static/query.js.
import { sealStyles, staticStyleRules } from "./style-shim.js";

export { EditorState, Prec } from "@codemirror/state";
export {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection,
  highlightSpecialChars
} from "@codemirror/view";
export { defaultKeymap, history, historyKeymap, insertNewlineAndIndent } from "@codemirror/commands";
export { StreamLanguage, syntaxHighlighting, bracketMatching, indentOnInput } from "@codemirror/language";
export { classHighlighter } from "@lezer/highlight";
export {
  autocompletion, completionKeymap, closeBrackets, closeBracketsKeymap, acceptCompletion, startCompletion,
  completionStatus, currentCompletions
} from "@codemirror/autocomplete";
export { sparql } from "@codemirror/legacy-modes/mode/sparql";
export { staticStyleRules };

// Every style module above has been created by now: the build writes their rules to
// codemirror.css, and a module made later could not be styled (see style-shim.js).
sealStyles();
