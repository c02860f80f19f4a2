// --ip-rule with the public registry module before AVM: its allowed addresses are plain strings
module registry 'br/public:compute/container-registry:1.1.1' = {
  name: 'registry'
  params: {
    name: 'registry${uniqueString(resourceGroup().id)}'
    skuName: 'Premium'
    networkDefaultAction: 'Allow'
    networkAllowedIpRanges: [
      '198.51.100.0/24'
    ]
  }
}
