/**
 * Offline registry hives: a reader for the facts a report needs (computer name, product, build) and a small writer
 * for tests and the practice drive.
 */
package io.bootmedic.registry;
