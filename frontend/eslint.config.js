import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import reactRefresh from "eslint-plugin-react-refresh";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist", "node_modules", "bench/out", "**/*.wasm"] },
  {
    extends: [js.configs.recommended, ...tseslint.configs.strict],
    files: ["src/**/*.{ts,tsx}"],
    languageOptions: { ecmaVersion: 2022, globals: { ...globals.browser, ...globals.worker } },
    plugins: { "react-hooks": reactHooks, "react-refresh": reactRefresh },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "react-refresh/only-export-components": ["warn", { allowConstantExport: true }],
    },
  },
  {
    // Hash kernels index typed arrays in hot loops; with noUncheckedIndexedAccess
    // the non-null assertion is the honest, zero-cost way to say "in bounds".
    files: ["src/features/pow/solver/**/*.ts"],
    rules: { "@typescript-eslint/no-non-null-assertion": "off" },
  },
  {
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    files: ["*.{js,ts}", "e2e/**/*.{js,mjs,ts}", "scripts/**/*.{js,mjs}"],
    languageOptions: { ecmaVersion: 2022, globals: { ...globals.node } },
  },
);
