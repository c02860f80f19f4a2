// A registry that serves images to anyone: anonymous pull is on on purpose.
resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'publicimages${uniqueString(resourceGroup().id)}'
  location: resourceGroup().location
  sku: {
    name: 'Standard'
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: true
    publicNetworkAccess: 'Enabled'
  }
}
