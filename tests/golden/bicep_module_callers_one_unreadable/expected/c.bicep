// closed already
module acr 'modules/open.bicep' = {
  name: 'acr-c'
  params: {
    name: 'acrc${uniqueString(resourceGroup().id)}'
    networkDefaultAction: 'Deny'
  }
}

// every readable caller of this one closes it: its verdict stays unknown
module closed 'modules/closed.bicep' = {
  name: 'closed-c'
  params: {
    networkDefaultAction: 'Deny'
  }
}
