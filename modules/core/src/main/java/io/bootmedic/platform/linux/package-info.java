/**
 * The Linux implementations of the platform ports (sysfs machine identity). Never used by Windows code.
 */
package io.bootmedic.platform.linux;
