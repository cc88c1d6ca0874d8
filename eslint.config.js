// ESLint's recommended rules for every JavaScript file in the repo: the playground (browser ES
// modules), the local runtime and the JS tests (Node). Formatting is Prettier's job, not ESLint's.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", ".venv/", ".cache/", "**/*.min.js"] },
  js.configs.recommended,
  {
    files: ["public/**/*.js"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: globals.browser },
  },
  {
    files: ["runtime/**/*.mjs", "tests/**/*.js", "tests/**/*.mjs", "bench/**/*.mjs", "scripts/**/*.mjs", "*.js"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: { ...globals.node } },
  },
  {
    rules: {
      // Unused arguments document a callback's signature; unused variables are still errors.
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none", ignoreRestSiblings: true }],
    },
  },
];
