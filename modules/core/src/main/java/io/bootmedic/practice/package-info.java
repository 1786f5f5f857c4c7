/**
 * The practice drive: a harmless copy of the incident's layout for drills and the demo.
 */
package io.bootmedic.practice;
