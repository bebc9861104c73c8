"""Model-zoo references, built like src/models so that the same seed gives the same weights:
FCN-8s on VGG16 (src/models/fcn.ts: the Caffe geometry, conv1_1 padded by 100, ceil-mode
pooling, fc6/fc7 as convolutions with elementwise dropout, zero-initialised score layers,
bilinear transposed convolutions, crops 5 / 9 / 31) and U-Net (src/models/unet.ts defaults:
base 64, depth 4, BatchNorm after convolutions that keep their bias, 2x2 transposed convs).
The harness compares parameter counts and first losses and flags any difference.
"""
import torch
from torch import nn

from nets import UNet

VGG16_BLOCKS = [2, 2, 3, 3, 3]


def bilinear_kernel(size):
    factor = (size + 1) // 2
    center = factor - 1 if size % 2 == 1 else factor - 0.5
    og = torch.arange(size, dtype=torch.float64)
    row = 1 - (og - center).abs() / factor
    return (row[:, None] * row[None, :]).float()


class FCN8s(nn.Module):
    def __init__(self, classes=21, inplace=True):
        super().__init__()
        layers, c = [], 3
        self.pool_at = []
        for block, convs in enumerate(VGG16_BLOCKS):
            width = 64 * [1, 2, 4, 8, 8][block]
            for _ in range(convs):
                layers += [nn.Conv2d(c, width, 3, padding=100 if not layers else 1), nn.ReLU(inplace=inplace)]
                c = width
            self.pool_at.append(len(layers))
            layers.append(nn.MaxPool2d(2, stride=2, ceil_mode=True))
        self.features = nn.Sequential(*layers)
        self.fc6 = nn.Conv2d(512, 4096, 7)
        self.relu6 = nn.ReLU(inplace=inplace)
        self.drop6 = nn.Dropout(0.5)
        self.fc7 = nn.Conv2d(4096, 4096, 1)
        self.relu7 = nn.ReLU(inplace=inplace)
        self.drop7 = nn.Dropout(0.5)
        self.score_fr = nn.Conv2d(4096, classes, 1)
        for m in self.modules():  # torchvision's VGG init, on the backbone and fc6 / fc7 (and score_fr, zeroed below)
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
                nn.init.zeros_(m.bias)
        self.upscore2 = nn.ConvTranspose2d(classes, classes, 4, stride=2, bias=False)
        self.score_pool4 = nn.Conv2d(512, classes, 1)
        self.upscore_pool4 = nn.ConvTranspose2d(classes, classes, 4, stride=2, bias=False)
        self.score_pool3 = nn.Conv2d(256, classes, 1)
        self.upscore8 = nn.ConvTranspose2d(classes, classes, 16, stride=8, bias=False)
        with torch.no_grad():
            for up in (self.upscore2, self.upscore_pool4, self.upscore8):
                up.weight.zero_()
                k = bilinear_kernel(up.weight.size(2))
                for i in range(classes):
                    up.weight[i, i] = k
            for conv in (self.score_fr, self.score_pool4, self.score_pool3):
                conv.weight.zero_()
                conv.bias.zero_()

    def forward(self, x):
        f = self.features
        p3, p4 = self.pool_at[2] + 1, self.pool_at[3] + 1
        pool3 = f[:p3](x)
        pool4 = f[p3:p4](pool3)
        h = f[p4:](pool4)
        h = self.score_fr(self.drop7(self.relu7(self.fc7(self.drop6(self.relu6(self.fc6(h)))))))
        up2 = self.upscore2(h)
        s4 = self.score_pool4(pool4)[:, :, 5:5 + up2.size(2), 5:5 + up2.size(3)]
        up4 = self.upscore_pool4(up2 + s4)
        s3 = self.score_pool3(pool3)[:, :, 9:9 + up4.size(2), 9:9 + up4.size(3)]
        out = self.upscore8(up4 + s3)
        return out[:, :, 31:31 + x.size(2), 31:31 + x.size(3)].contiguous()


def fcn8s(in_channels, classes, inplace):
    assert in_channels == 3
    return FCN8s(classes, inplace)


def unet(in_channels, classes, inplace):
    return UNet(in_channels, classes, base=64, depth=4, inplace=inplace, batch_norm=True, conv_bias=True)


def unet16(in_channels, classes, inplace):
    return UNet(in_channels, classes, base=16, depth=4, inplace=inplace, batch_norm=True, conv_bias=True)
