param prefix string = 'contoso'

// a multi-dollar string: a statement tree-sitter-bicep 1.1 cannot read
var registryName = $$'${prefix}acr$${uniqueString(resourceGroup().id)}'

@description('Depends on the statement acr-fix cannot read: a check by hand.')
resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: registryName
  location: 'westus'
  sku: {
    name: 'Premium'
  }
}

@description('Inside a statement acr-fix cannot read: a check by hand.')
resource backup 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: $$'${prefix}backup$${uniqueString(resourceGroup().id)}'
  location: 'westus'
  sku: {
    name: 'Premium'
  }
}
