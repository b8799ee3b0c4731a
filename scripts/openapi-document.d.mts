// Types of scripts/openapi-document.mjs for the TypeScript tests that import it.
export declare const DOCUMENT_PATH: string;
export declare const TYPES_PATH: string;
export declare function sortKeys<T>(value: T): T;
export declare function serializeDocument(document: unknown): string;
export declare function generateTypes(serializedDocument: string): Promise<string>;
export declare function writeTypes(serializedDocument: string): Promise<boolean>;
