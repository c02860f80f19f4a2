module acr 'acr.bicep' = {
  name: 'acr'
  params: {
    acrName: 'viamain'
    publicNetworkAccess: 'Enabled'
  }
}
