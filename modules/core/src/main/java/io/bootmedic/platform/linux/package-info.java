/**
 * The Linux implementations of the platform ports (sysfs machine identity) and the disks sysfs lists with their controllers
 * (NVMe, Intel VMD, SATA, virtio, Hyper-V, VMware, USB). Never used by Windows code.
 */
package io.bootmedic.platform.linux;
