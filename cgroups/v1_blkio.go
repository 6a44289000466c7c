package cgroups

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func blkioAsked(b *specs.LinuxBlockIO) bool {
	return b != nil && (b.Weight != nil || b.LeafWeight != nil || len(b.WeightDevice) > 0 ||
		len(b.ThrottleReadBpsDevice) > 0 || len(b.ThrottleWriteBpsDevice) > 0 ||
		len(b.ThrottleReadIOPSDevice) > 0 || len(b.ThrottleWriteIOPSDevice) > 0)
}

func (d *v1Driver) setBlkio(f fsOps, r *specs.LinuxResources) error {
	b := r.BlockIO
	if !blkioAsked(b) {
		return nil
	}
	c, err := d.ctl(f, "blkio", "linux.resources.blockIO")
	if err != nil {
		return err
	}
	if b.Weight != nil && *b.Weight != 0 {
		if err := writeWeight(c, "linux.resources.blockIO.weight", "weight", u64(uint64(*b.Weight))); err != nil {
			return err
		}
	}
	if b.LeafWeight != nil && *b.LeafWeight != 0 {
		if err := c.write("linux.resources.blockIO.leafWeight", "blkio.leaf_weight", u64(uint64(*b.LeafWeight))); err != nil {
			return err
		}
	}
	for i, wd := range b.WeightDevice {
		field := fmt.Sprintf("linux.resources.blockIO.weightDevice[%d]", i)
		if wd.Weight != nil {
			if err := writeWeight(c, field+".weight", "weight_device", blkioDev(wd.LinuxBlockIODevice)+" "+u64(uint64(*wd.Weight))); err != nil {
				return err
			}
		}
		if wd.LeafWeight != nil {
			if err := c.write(field+".leafWeight", "blkio.leaf_weight_device", blkioDev(wd.LinuxBlockIODevice)+" "+u64(uint64(*wd.LeafWeight))); err != nil {
				return err
			}
		}
	}
	throttles := []struct {
		field, file string
		list        []specs.LinuxThrottleDevice
	}{
		{"throttleReadBpsDevice", "blkio.throttle.read_bps_device", b.ThrottleReadBpsDevice},
		{"throttleWriteBpsDevice", "blkio.throttle.write_bps_device", b.ThrottleWriteBpsDevice},
		{"throttleReadIOPSDevice", "blkio.throttle.read_iops_device", b.ThrottleReadIOPSDevice},
		{"throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", b.ThrottleWriteIOPSDevice},
	}
	for _, t := range throttles {
		for i, td := range t.list {
			field := fmt.Sprintf("linux.resources.blockIO.%s[%d]", t.field, i)
			if err := c.write(field, t.file, blkioDev(td.LinuxBlockIODevice)+" "+u64(td.Rate)); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeWeight writes blkio.bfq.<name> where the BFQ scheduler provides it (modern kernels, where
// CFQ is gone), else the CFQ-era blkio.<name>.
func writeWeight(c cgDir, field, name, value string) error {
	err := c.write(field, "blkio.bfq."+name, value)
	if err == nil || !isMissingFile(err) {
		return err
	}
	return c.write(field, "blkio."+name, value)
}
