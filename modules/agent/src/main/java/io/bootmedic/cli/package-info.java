/**
 * The picocli commands: parse the arguments, call the pipeline, print what happened and what to do next.
 * The top of the dependency order; nothing else depends on it.
 */
package io.bootmedic.cli;
