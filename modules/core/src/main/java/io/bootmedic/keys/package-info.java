/**
 * Key material from people in a hurry: recovery passwords, key IDs, key exports (CSV, LDIF, JSON), encrypted key bundles
 * and the prompt. Nothing here logs or prints a key.
 */
package io.bootmedic.keys;
