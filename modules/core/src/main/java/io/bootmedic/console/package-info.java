/**
 * The plain-console flow for WinPE: one key press to fix, the banner, the next step.
 */
package io.bootmedic.console;
