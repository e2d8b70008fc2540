// Types for every operation the apps send, from the public schema (make compose writes it).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['shared/src/**/*.{ts,tsx}', 'phone/src/**/*.{ts,tsx}', 'admin/src/**/*.{ts,tsx}', '!shared/src/gql/**'],
  generates: {
    'shared/src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: 'string', Date: 'string', JSON: 'unknown' },
      },
    },
  },
  silent: true,
};

export default config;
